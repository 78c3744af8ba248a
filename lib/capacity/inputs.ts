/**
 * The capacity model's inputs (inputs.json), typed: what one request costs each part of the stack,
 * measured here by `npm run bench -- --only capacity --record`; AWS's published limits, each with
 * its source and the date it was read; and the traffic assumed (the mix of reads and writes, how
 * many requests a user makes). Nothing in the model is a figure of its own: it reads them here.
 */
import INPUTS from './inputs.json';

/** The service's paths the bench measures. */
export const SERVICE_PATHS = [
  'read-postgresql',
  'read-cache-hit',
  'read-cache-miss',
  'write-postgresql',
  'read-dynamodb',
  'write-dynamodb',
] as const;
export type ServicePath = (typeof SERVICE_PATHS)[number];

export interface MeasuredInputs {
  readonly command: string;
  readonly date: string;
  readonly machine: string;
  readonly method: string;
  /** The service's CPU per request on each path: all its threads, and its main thread (the event loop). */
  readonly serviceMicros: Record<ServicePath, { readonly all: number; readonly mainThread: number }>;
  /** PostgreSQL's CPU per item read and per item written, for the service's own queries. */
  readonly postgresMicros: { readonly read: number; readonly write: number };
  /** Redis's CPU per read: a hit (one GET), a miss (the GET, and the SET that fills it). */
  readonly cacheMicros: { readonly hit: number; readonly miss: number };
  /** Bytes of an answer, headers included. */
  readonly responseBytes: { readonly read: number; readonly write: number };
  /** Bytes of the service's log line per request. */
  readonly logBytesPerRequest: number;
}

/** A published figure: its value, where it was read and when. */
export interface Sourced<T = number> {
  readonly value: T;
  readonly source: string;
  readonly read: string;
  readonly note?: string;
}

export interface CapacityInputs {
  readonly measured: MeasuredInputs;
  readonly limits: {
    readonly burstableBaselinePerVcpu: Sourced<Record<string, number>>;
    readonly vcpusBySize: Sourced<Record<string, number>>;
    readonly burstableSurplusPerVcpuHour: Sourced<Record<string, number>>;
    readonly rdsBurstableSurplusPerVcpuHour: Sourced;
    readonly vcpuPerAcu: Sourced;
    readonly albLcu: Sourced<{
      readonly newConnectionsPerSecond: number;
      readonly activeConnectionsPerMinute: number;
      readonly processedGbPerHour: number;
      readonly ruleEvaluationsPerSecond: number;
    }>;
    readonly cloudfrontRequestsPerSecondPerDistribution: Sourced;
    readonly dynamodbTableRequestUnitsPerSecond: Sourced<{ readonly read: number; readonly write: number }>;
    readonly dynamodbNewTableRequestUnitsPerSecond: Sourced<{ readonly read: number; readonly write: number }>;
    readonly dynamodbPartitionRequestUnitsPerSecond: Sourced<{ readonly read: number; readonly write: number }>;
    readonly dynamodbRequestUnits: Sourced<{ readonly eventuallyConsistentRead: number; readonly write: number }>;
    readonly elasticacheEcpuPerCommand: Sourced;
    readonly wafRateWindowSeconds: Sourced;
  };
  readonly assumptions: {
    /** The share of requests that read an item; the rest write one. */
    readonly readShare: number;
    readonly requestsPerUserPerDay: number;
    /** Peak requests per second over the day's average. */
    readonly peakToAverage: number;
    /** Requests a client sends on one connection to the load balancer before a new one (for its LCUs). */
    readonly requestsPerConnection: number;
    /** How many times one vCPU of the instance does the work of one core of the machine that measured. */
    readonly vcpuToMeasuredCore: number;
    readonly note: string;
  };
}

export const CAPACITY_INPUTS = INPUTS as unknown as CapacityInputs;
