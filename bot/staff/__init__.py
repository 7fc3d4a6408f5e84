"""Staff sign-in: who a member of staff is, and the browser session that remembers it (no FastAPI here).

- `roles`: the staff roles and what a route may require.
- `store`: where sessions live (a Protocol; in-process and Redis, one contract test).
- `sessions`: server-side sessions with an idle timeout and an absolute lifetime, sealed at rest.
- `csrf`: synchronizer tokens and the Origin check for state-changing requests.
- `dev_login`: user name and password through the records service's dev identity provider (demo).
- `oidc`: the OpenID Connect authorization-code flow with PKCE against the city's issuer.
- `auth`: `StaffAuth`, the one object the API layer talks to.

Tokens are verified by `trust.tokens`, the code the records service uses. See docs/staff.md.
"""
