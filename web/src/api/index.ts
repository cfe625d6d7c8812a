export { createClient } from './client';
export type { ApiClient, ClientOptions, FetchLike, Method, RequestOptions } from './client';
export { ApiError, isApiError } from './errors';
export type { ErrorCode, KnownErrorCode } from './errors';
export { checkHealth } from './health';
export type { Health } from './health';
