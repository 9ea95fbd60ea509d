import { createCloudDocuments } from '../../src/platform/cloudbase/documents';
import { useSdkAgainstEmulator } from '../helpers/sdk';
import { documentStoreContract } from './documents';

// The CloudBase adapter in-process, over the real wx-server-sdk and the emulator's database: the same
// contract as the memory adapter the tests' fakes use.
const sdk = useSdkAgainstEmulator();
let collections = 0;

// Each test gets a collection of its own, which does not exist until it is first written.
documentStoreContract('CloudBase (wx-server-sdk, emulator)', () => createCloudDocuments(sdk.db(), `contract_${(collections += 1)}`));
