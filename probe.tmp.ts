import { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { buildApp } from './lib/app';
const ctx = JSON.parse(readFileSync('cdk.json', 'utf8')).context;
const app = new App({ context: { ...ctx, stages: process.argv[3] ?? '2', [process.argv[4] ?? 'databaseInstanceType']: process.argv[2] }, outdir: '/tmp/pr' });
buildApp(app); try { app.synth(); } catch {}
