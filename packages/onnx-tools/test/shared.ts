import path from 'node:path';
import { readFlag } from '@kiln/common';

/** The shared test data: KILN_SHARED_DIR, or ../shared beside the repository. */
export const SHARED = readFlag('KILN_SHARED_DIR') ?? path.resolve(__dirname, '../../../../shared');
