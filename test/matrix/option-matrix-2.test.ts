import { checkShard } from './option-matrix';

checkShard(2, 2);
