export { exchange, keepAliveAgents, type ExchangeRequest, type ExchangeResponse, type HttpMethod } from './exchange.js';
