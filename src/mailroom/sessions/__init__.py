"""Server-side web sessions: cookie sign-in with XSRF tokens, shared by every process.

Used by the Tellody dialect (``/CampaignCloud/...``) and by the console. Everything lives in the
main database (tables ``sessions`` and ``login_failures``), so a session opened by one API
process is accepted by any other. The session id and XSRF tokens handed to the client are random
(256 and 192 bits); only their SHA-256 digests are stored.

Interface (``mailroom.sessions.service``; every function takes a Connection and never commits):

``SessionPolicy.from_settings(settings)``
    idle time (``MAILROOM_SESSION_IDLE_S``, default 30 min), remember-me idle time
    (``MAILROOM_SESSION_REMEMBER_S``, default 14 days), wrong passwords allowed per user and
    address per window (``MAILROOM_LOGIN_FAILURES_ALLOWED`` / ``..._WINDOW_S``: 5 per 15 min).
``issue_xsrf(conn, clock, policy, session_id | None) -> Issued``   (write)
    A new XSRF token for the caller's live session, or a new anonymous session with its first
    token when the caller has none (or it expired). ``Issued.session_id`` goes in the cookie.
``authenticate(conn, clock, policy, username=, password=, address=, account_code=None)``  (read)
    -> ``Principal | None``: RateLimited (429, Retry-After) when this user at this address (or
    this address overall) has too many recent wrong passwords; None for wrong credentials.
``record_failure(conn, clock, policy, username=, address=)``  (write, after a None above)
``login(conn, clock, policy, session_id, principal, remember=) -> Issued``  (write)
    Binds the session to the user and gives it a NEW id (session fixation); the XSRF tokens
    carry over. Clears the failure count of that user at that address.
``check(conn, clock, policy, session_id, xsrf, need_user=True, need_xsrf=True, touch=True)``
    -> ``SessionView`` (write: it slides the idle deadline, at most once a minute; with
    ``touch=False`` a read, and ``view.stale`` says to call ``touch(conn, clock, policy,
    session_id)`` in a write). Unauthorized (401) for no, unknown, expired or anonymous session
    (when a user is needed); Forbidden (403) for a missing or wrong XSRF token.
``logout(conn, session_id)``  (write) ends the session; its cookie is refused afterwards.
``purge_expired(conn, clock)``  (write) deletes expired rows (``issue_xsrf`` also does it).

XSRF rule: a session accepts two tokens, the first one ever issued to it (Tellody's samples
ping once and reuse that token for login and every report) and the newest one (each ping
issues a new one). Any older token is refused.
"""
