import { buildFunctions } from '../../scripts/build';

/** End-to-end tests run the built functions: build them once before any test. */
export default async function globalSetup(): Promise<void> {
  await buildFunctions();
}
