import { CLOUD_ENV } from './config';

App({
  onLaunch() {
    if (!wx.cloud) {
      console.error('wx.cloud needs base library 2.2.3 or later.');
      return;
    }
    wx.cloud.init({ env: CLOUD_ENV, traceUser: true });
  },
});
