export { createTestDatabase, type TestDatabase } from './test-database.js';
export { createTestShop, type TestShop, type TestShopOptions } from './test-app.js';
export { inProcessS3, type InProcessS3, type S3Request, type StoredObject } from './in-process-s3.js';
export { mediaBackends, type TestMediaBackend } from './media-backends.js';
export { startListeningShop, type ListeningShop, type ListeningShopOptions } from './listening-shop.js';
export { loginAs, type TestLogin } from './sessions.js';
export { tossShopEnv, type TossEndpoint } from './toss.js';
export { announceOrder, announceStockLow, createCustomer, createOrder, createProducts, type Product } from './order-events.js';
