/**
 * The CloudBase environment the Mini Program calls: the one place to set it. Put your environment id here
 * (cloud console → 设置 → 环境 ID), for example 'analytics-3g5x7k2a1b9c4d6e'.
 */
export const CLOUD_ENV = 'your-env-id';
