export { createTestDatabase, type TestDatabase } from './test-database.js';
export { createTestShop, type TestShop } from './test-app.js';
export { startListeningShop, type ListeningShop, type ListeningShopOptions } from './listening-shop.js';
export { loginAs, type TestLogin } from './sessions.js';
export { tossShopEnv, type TossEndpoint } from './toss.js';
export { announceOrder, announceStockLow, createCustomer, createOrder, createProducts, type Product } from './order-events.js';
