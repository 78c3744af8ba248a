// The matrix is split across two files so that jest's two workers share it evenly.
import { checkMatrix } from './support/check-matrix';
import { MATRIX } from './support/matrix';

checkMatrix('stage 3 with webTier=ecs', MATRIX.filter((c) => c.stage === 3 && c.overrides.webTier === 'ecs'));
