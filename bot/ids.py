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
