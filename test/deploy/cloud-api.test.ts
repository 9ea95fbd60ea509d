import { FAKE_TENCENT_CLOUD_CREDENTIALS, startTencentCloudApi } from '@wx-monthly-analytics/cloudbase-emulator';
import { CloudApiError, createCloudApi, readCredentials } from '../../scripts/deploy/cloud-api';

describe('the deploy\'s API client', () => {
  it('reads the keys under the names the tcb CLI and SCF use, and names the missing ones', () => {
    expect(readCredentials({ TENCENTCLOUD_SECRETID: ' id ', TENCENTCLOUD_SECRETKEY: 'key', TENCENTCLOUD_SESSIONTOKEN: 'token' })).toEqual({
      credentials: { secretId: 'id', secretKey: 'key', token: 'token' },
      missing: [],
    });
    expect(readCredentials({ TENCENTCLOUD_SECRETKEY: 'key' })).toEqual({ missing: ['TENCENTCLOUD_SECRETID'] });
  });

  it('in a dry run refuses a write before sending it', async () => {
    const api = await startTencentCloudApi();
    try {
      const transport = { protocol: 'http://', endpoint: (service: 'scf' | 'tcb') => api.endpoint(service), agent: api.agent };
      const scf = createCloudApi('scf', 'ap-shanghai', FAKE_TENCENT_CLOUD_CREDENTIALS, transport, true);
      await expect(scf.call('DeleteFunction', { FunctionName: 'fn1' })).rejects.toThrow('DeleteFunction is a write: a dry run sends reads only');
      await expect(scf.call('GetFunction', { FunctionName: 'fn1', Namespace: 'fake-env-1a2b3c' })).rejects.toThrow(CloudApiError);
      expect(api.requests.map((request) => request.action)).toEqual(['GetFunction']);
    } finally {
      await api.close();
    }
  });
});
