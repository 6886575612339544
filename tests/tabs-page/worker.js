// A worker of tests/tabs-page: a client asked to share has its own socket here.
import { createClient } from '/pkg/index.js';

self.onmessage = async (event) => {
  const client = await createClient(event.data);
  const sharing = client.sharing;
  client.free();
  self.postMessage(sharing);
};
