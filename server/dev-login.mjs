// The development login endpoint: POST /dev/login with {"userId": "ada"}
// answers {"token", "expiresAt"} for that user, no password asked. It exists
// so that the demo works out of the box with `npm start`; it is off unless
// the server is started in development mode (createServer({ devLogin: true })),
// because it hands a token to anybody. A deployment replaces it with its own
// login, which calls auth.issue(userId) after checking who the user is.
import { validateUserId } from '../pkg-template/client-frames.js';

export const DEV_LOGIN_PATH = '/dev/login';
const MAX_BODY_BYTES = 1024;

/**
 * Returns an HTTP handler for the login endpoint.
 * `auth`: from server/auth.mjs; `originAllowed(origin)`: the WebSocket origin
 * rule, applied here too, so another site cannot fetch tokens.
 */
export function createDevLoginHandler({ auth, originAllowed }) {
  const answer = (response, status, body) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  };
  return async function devLogin(request, response) {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!originAllowed(request.headers.origin)) return answer(response, 403, { error: 'origin not allowed' });
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
      return answer(response, 415, { error: 'send application/json' });
    }
    let body = '';
    for await (const chunk of request) {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) return answer(response, 413, { error: 'body too large' });
    }
    let userId;
    try {
      ({ userId } = JSON.parse(body));
    } catch {
      return answer(response, 400, { error: 'not valid JSON' });
    }
    const problem = validateUserId(userId, 'userId');
    if (problem) return answer(response, 400, { error: problem });
    return answer(response, 200, await auth.issue(userId));
  };
}
