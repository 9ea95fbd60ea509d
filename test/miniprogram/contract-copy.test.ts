import { CONTRACT_COPY, contractCopyIsCurrent } from '../../scripts/miniprogram/types';

test('miniprogram/types/contract.ts is the current copy of src/contract.ts (npm run miniprogram:types)', () => {
  expect({ file: CONTRACT_COPY, current: contractCopyIsCurrent() }).toEqual({ file: CONTRACT_COPY, current: true });
});
