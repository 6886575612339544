// Loads the example's module; its `main` mounts the component.
import init from './pkg/rust_chat.js';

await init();
