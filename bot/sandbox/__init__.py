"""``punchcard try``: Punchcard without a Slack workspace (issue #16).

One process runs three things:

- **Punchcard itself**, unchanged: ``bot.web`` on 127.0.0.1 at a port of its own, on the
  SQLite file ``try.db`` in the working directory (``bot.sandbox.seed``: the firm of
  ``bot/sandbox/firm.yaml`` and a few weeks of history), with its worker (outbox sender,
  scheduler). No code of the bot knows it runs here.
- **A stand-in for Slack** (``bot.sandbox.slack``): the Web API methods Punchcard calls, at
  ``/api/<method>`` (``SLACK_API_URL``), and the requests Slack sends, signed exactly as Slack
  signs them and POSTed to Punchcard's ``/slack/events``; response URLs at ``/respond/<id>``,
  upload URLs at ``/upload/<file id>``, files at ``/files/<file id>/<name>``.
- **A page that plays Slack** at ``/`` (``bot/sandbox/static/``: index.html, app.css, app.js;
  plain HTML, CSS and script, no outside asset, no build step), talking to the stand-in over
  the JSON API below.

The page's API (JSON bodies; every answer has ``ok``; a refusal is ``{"ok": false, "error": "..."}``)
---------------------------------------------------------------------------------------------

``GET /sandbox/state?user=U…&after=N``
    What ``user`` sees, once the stand-in's version passes ``N`` (a long poll: it answers at
    once when ``after`` is missing or older, else within 25 s, unchanged or not)::

        {"ok": true, "version": 12, "me": "U0MEMBER",
         "workspace": "Hale & Partners LLP",
         "people": [{"id": "U0MEMBER", "name": "Max Member", "role": "member"}, ...],
         "bot": {"id": "U0PUNCHCARD", "name": "Punchcard"},
         "channels": [{"id": "C0GENERAL", "name": "general", "kind": "channel"},
                      {"id": "C0BILLING", "name": "billing-acme", "kind": "channel"},
                      {"id": "DU0MEMBER", "name": "Punchcard", "kind": "dm"}],
         "messages": {"C0GENERAL": [Message, ...], "DU0MEMBER": [...]},
         "home": View | null,          # the App Home tab Punchcard published for user
         "modals": [View, ...],        # user's modal stack, bottom first; the last is shown
         "jobs": [{"name": "missing-hours", "about": "..."}, ...]}

    ``Message``: ``{"ts": "1765…", "channel": "C…", "user": "U…" (who posted: the bot's id or
    a person's), "name": display name, "text": "…", "blocks": [...] (may be absent),
    "files": [{"id", "name", "title", "mimetype", "url"}] (may be absent), "ephemeral": bool
    (only ``user`` sees it: "Only visible to you"), "edited": bool}`` in time order.
    ``View``: Slack's view object as Punchcard sent it (``type`` "modal" or "home", ``title``,
    ``submit``, ``close``, ``blocks``, ``callback_id``, ``private_metadata``) plus ``id`` and,
    for a modal, ``errors``: ``{block_id: message}`` from the last ``response_action: errors``.

``POST /sandbox/command {"user", "channel", "text"}``
    What was typed in the composer of ``channel``. ``/track …`` (any ``/word``) is sent to
    Punchcard as a slash command; its answer (ack body, then response URL posts) appears as
    ephemeral messages for ``user`` in that channel. Other text is posted as ``user``'s
    message.

``POST /sandbox/action {"user", "surface": "message"|"home"|"modal", "channel"?, "ts"?,
"view_id"?, "action": {...}, "state": {...}}``
    A click or choice: ``action`` is Slack's action object as Slack sends it in
    ``block_actions`` (``type``, ``action_id``, ``block_id``, and ``value`` for a button,
    ``selected_option`` for a static/external select or an overflow, ``selected_date``,
    ``selected_time``, ``selected_options`` for checkboxes). ``state`` is the surface's input
    values as Slack's ``view.state.values`` / ``state.values``: ``{block_id: {action_id:
    {"type": …, "value" | "selected_option" | "selected_date" | "selected_time" |
    "selected_options": …}}}``, initial values included.

``POST /sandbox/submit {"user", "view_id", "state"}``
    The shown modal's submit button: a ``view_submission``. The answer says what happened:
    ``{"ok": true, "errors": {block_id: message}}`` when Punchcard answered
    ``response_action: errors`` (the modal stays, the errors are shown under their blocks);
    else the modal was updated, pushed, closed or cleared as Punchcard asked.

``POST /sandbox/close {"user", "view_id"}``
    The modal's close button (a ``view_closed`` when the view has ``notify_on_close``); the
    view leaves the stack.

``POST /sandbox/options {"user", "surface", "view_id"?, "channel"?, "ts"?, "action_id",
"block_id", "value"}``
    An external select's type-ahead (``block_suggestion``): ``{"ok": true, "options": [...],
    "option_groups": [...]}`` as Punchcard answered.

``POST /sandbox/home {"user"}``
    The App Home tab was opened (``app_home_opened``): Punchcard publishes it.

``POST /sandbox/shortcut {"user", "channel", "ts", "callback_id"}``
    A message shortcut on a message (``message_action``).

``POST /sandbox/job {"name", "at"}``
    Fire a scheduled job as of ``at`` (``YYYY-MM-DDTHH:MM``, in the firm's timezone; empty:
    now); what it queued is delivered at once. ``{"ok": true, "said": "missing-hours as of …:
    2 queued"}``.
"""
