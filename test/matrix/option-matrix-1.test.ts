import { checkShard } from './option-matrix';

checkShard(1, 2);
