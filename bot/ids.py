"""Every callback, action and block id the bot uses, in one place."""

from __future__ import annotations

# Modals (callback_id)
ENTRY_MODAL = "entry_modal"
START_MODAL = "start_modal"
DELETE_CONFIRM_MODAL = "delete_confirm_modal"
REJECT_MODAL = "reject_modal"

# Message shortcut (callback_id in deploy/slack-manifest.yml)
TRACK_MESSAGE_SHORTCUT = "track_message"

# Actions (action_id)
STOP_TIMER = "stop_timer"
START_RECENT = "start_recent"  # value: JSON {"p": project_id, "t": task_id | null, "d": description}
OPEN_ENTRY_MODAL = "open_entry_modal"
OPEN_START_MODAL = "open_start_modal"
ENTRY_MENU = "entry_menu"  # overflow; option values "edit:<entry id>" / "delete:<entry id>"
HOME_PAGE = "home_page"  # ":newer" / ":older" (unique per block); value: the page number
APPROVE_ALL = "approve_all"  # value: submission id
REJECT_OPEN = "reject_open"  # value: submission id
REASON_BLOCK, REASON_INPUT = "reason", "reason_text"

# Blocks and their inputs (block_id, action_id) in the entry and start modals
PROJECT_BLOCK, PROJECT_INPUT = "project", "project_select"
TASK_BLOCK, TASK_INPUT = "task", "task_select"
DATE_BLOCK, DATE_INPUT = "date", "date_pick"
DURATION_BLOCK, DURATION_INPUT = "duration", "duration_text"
START_TIME_BLOCK, START_TIME_INPUT = "start_time", "start_time_pick"
END_TIME_BLOCK, END_TIME_INPUT = "end_time", "end_time_pick"
DESCRIPTION_BLOCK, DESCRIPTION_INPUT = "description", "description_text"
WORK_TYPE_BLOCK, WORK_TYPE_INPUT = "work_type", "work_type_select"
BILLABLE_BLOCK, BILLABLE_INPUT = "billable", "billable_check"

# Per-entry decisions (approvals)
ENTRY_DECISION = "entry_decision"  # overflow; values "approve:<submission>:<entry>" / "reject:…"

# "View all": a submission's entries in a paged modal
VIEW_ALL_ENTRIES = "view_all_entries"  # value: submission id
ENTRIES_MODAL = "submission_entries_modal"  # callback_id
ENTRIES_PAGE = "entries_page"  # ":previous" / ":next" (unique per block); value: the page number

# A timer not saved as it stands (it ran past the limit or midnight, or its month closed):
# the person's choice; ":<n>" keeps action ids unique in the block; value: JSON
# {"t": timer id, "a": "end" | "from" | "form" | "discard", "at": epoch seconds}
TIMER_CHOICE = "timer_choice"

# A missing-hours nudge: log time on a day, that day was off, or again in two hours.
# ":<day>" keeps action ids unique in the message; value: JSON {"d": "YYYY-MM-DD", "t": the
# nudge's local day, "s": which snooze of the day the message is}
MISSING_LOG = "missing_hours_log"
MISSING_OFF = "missing_hours_off"
MISSING_SNOOZE = "missing_hours_snooze"

# A forgotten timer's DM (bot.services.forgotten): stop now, stop at a time (a timepicker:
# its selected_time), keep running. The actions block's id says which timer the DM is about:
# "forgotten_timer:<owner's Slack id>:<timer id>:<its start, ISO 8601>".
FORGOTTEN_BLOCK = "forgotten_timer"
FORGOTTEN_STOP_NOW = "forgotten_stop_now"
FORGOTTEN_STOP_AT = "forgotten_stop_at"
FORGOTTEN_KEEP = "forgotten_keep"

# Invoices (bot.listeners.invoices). Buttons on an invoice's summary; value: the invoice id.
INVOICE_MARK_SENT = "invoice_mark_sent"
INVOICE_MARK_PAID = "invoice_mark_paid"
INVOICE_VOID = "invoice_void"  # opens the reason modal
INVOICE_ISSUE = "invoice_issue"  # a draft's
INVOICE_DISCARD = "invoice_discard"  # a draft's
VOID_MODAL = "invoice_void_modal"  # callback_id; private_metadata sealed {"u": clicker, "i": invoice}
VOID_REASON_BLOCK, VOID_REASON_INPUT = "void_reason", "void_reason_text"
# /track clients: ":previous" / ":next" page buttons (value: the page number); a client's
# menu (CLIENT_MENU, below) opens the invoice modal.
CLIENTS_PAGE = "clients_page"
INVOICE_MODAL = "invoice_modal"  # callback_id; private_metadata sealed {"u": clicker, "c": client}
INVOICE_FROM_BLOCK, INVOICE_FROM_INPUT = "invoice_from", "invoice_from_pick"
INVOICE_TO_BLOCK, INVOICE_TO_INPUT = "invoice_to", "invoice_to_pick"
INVOICE_OPTIONS_BLOCK, INVOICE_OPTIONS_INPUT = "invoice_options", "invoice_options_check"

# /track clients: each client's menu (overflow; values "invoice:<client id>",
# "share:<client id>", "links:<client id>"); the new share link modal; the links modal's
# Revoke buttons (value: the link id).
CLIENT_MENU = "client_menu"
SHARE_MODAL = "share_modal"  # callback_id; private_metadata sealed {"u": clicker, "c": client}
SHARE_PROJECT_BLOCK, SHARE_PROJECT_INPUT = "share_project", "share_project_select"
SHARE_EXPIRES_BLOCK, SHARE_EXPIRES_INPUT = "share_expires", "share_expires_pick"
SHARE_OPTIONS_BLOCK, SHARE_OPTIONS_INPUT = "share_options", "share_options_check"
SHARE_LINKS_MODAL = "share_links_modal"  # callback_id; private_metadata sealed {"u": clicker, "c": client}
SHARE_REVOKE = "share_revoke"

# /track report: the summary's CSV and XLSX buttons (":csv" / ":xlsx"); value: JSON of the
# report's request (bot.services.report.publish.button_value). Who clicks is the reader.
REPORT_FILE = "report_file"
REPORT_FILES_BLOCK = "report_files"
