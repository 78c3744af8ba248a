// The matrix is split across two files so that jest's two workers share it evenly.
import { checkMatrix } from './support/check-matrix';
import { MATRIX } from './support/matrix';

checkMatrix('stages 1 and 2, and stage 3 with webTier=ec2', MATRIX.filter((c) => c.stage !== 3 || c.overrides.webTier === 'ec2'));
