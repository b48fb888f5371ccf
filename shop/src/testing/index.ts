export { PostgresServer, freePort } from './postgres-server.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { createTestShop, type TestShop } from './test-app.js';
export { loginAs, type TestLogin } from './sessions.js';
