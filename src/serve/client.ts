/** The page's script (served as /app.js). */
export const CLIENT_JS = '';
