import { ExactFaceIndex } from '../../src/adapters/face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../../src/adapters/face-index-usearch/usearch-face-index.ts';
import { faceIndexContract } from './face-index.contract.ts';

faceIndexContract('exact scan', (dims) => new ExactFaceIndex(dims), 0);
faceIndexContract('usearch HNSW, int8', (dims) => new UsearchFaceIndex(dims), 0.01);
