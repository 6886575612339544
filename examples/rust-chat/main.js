// Loads the example's module; its start function does the rest.
import init from './pkg/rust_chat.js';

await init();
