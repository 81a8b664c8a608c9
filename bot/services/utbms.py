"""The UTBMS code sets (Uniform Task-Based Management System), with their names.

UTBMS codes classify legal work on e-billed invoices (LEDES, ``bot.services.invoices.ledes``):
a task code says what phase of the matter the work belongs to, an activity code what was
done, an expense code what was spent. The sets here are the American Bar Association's, as
published on its UTBMS pages (americanbar.org, Section of Litigation, "Uniform Task-Based
Management System": the Litigation Code Set with its activity and expense codes, the
Counseling, Project and Bankruptcy Code Sets; the Bankruptcy set is derived from the U.S.
Trustee Program's). A code is a letter (the set) and three digits; a task's first digit is
its phase (L300 Discovery holds L310..L390). Phase codes (L100, P200, ...) are listed too:
the Counseling set is phases only, and some clients accept phase-level coding.

Used by the import to check ``utbms:`` on tasks (task codes) and work types (activity codes).
"""

from __future__ import annotations

LITIGATION = {
    "L100": "Case Assessment, Development and Administration",
    "L110": "Fact Investigation/Development",
    "L120": "Analysis/Strategy",
    "L130": "Experts/Consultants",
    "L140": "Document/File Management",
    "L150": "Budgeting",
    "L160": "Settlement/Non-Binding ADR",
    "L190": "Other Case Assessment, Development and Administration",
    "L200": "Pre-Trial Pleadings and Motions",
    "L210": "Pleadings",
    "L220": "Preliminary Injunctions/Provisional Remedies",
    "L230": "Court Mandated Conferences",
    "L240": "Dispositive Motions",
    "L250": "Other Written Motions and Submissions",
    "L260": "Class Action Certification and Notice",
    "L300": "Discovery",
    "L310": "Written Discovery",
    "L320": "Document Production",
    "L330": "Depositions",
    "L340": "Expert Discovery",
    "L350": "Discovery Motions",
    "L390": "Other Discovery",
    "L400": "Trial Preparation and Trial",
    "L410": "Fact Witnesses",
    "L420": "Expert Witnesses",
    "L430": "Written Motions and Submissions",
    "L440": "Other Trial Preparation and Support",
    "L450": "Trial and Hearing Attendance",
    "L460": "Post-Trial Motions and Submissions",
    "L470": "Enforcement",
    "L500": "Appeal",
    "L510": "Appellate Motions and Submissions",
    "L520": "Appellate Briefs",
    "L530": "Oral Argument",
}
COUNSELING = {
    "C100": "Fact Gathering",
    "C200": "Researching Law",
    "C300": "Analysis and Advice",
    "C400": "Third Party Communication",
}
PROJECT = {
    "P100": "Project Administration",
    "P200": "Fact Gathering/Due Diligence",
    "P210": "Corporate Review",
    "P220": "Tax",
    "P230": "Environmental",
    "P240": "Real and Personal Property",
    "P250": "Employee/Labor",
    "P260": "Intellectual Property",
    "P270": "Regulatory Reviews",
    "P280": "Other",
    "P300": "Structure/Strategy/Analysis",
    "P400": "Initial Document Preparation/Filing",
    "P500": "Negotiation/Revision/Responses",
    "P600": "Completion/Closing",
    "P700": "Post-Completion/Post-Closing",
    "P800": "Maintenance and Renewal",
}
BANKRUPTCY = {
    "B100": "Administration",
    "B110": "Case Administration",
    "B120": "Asset Analysis and Recovery",
    "B130": "Asset Disposition",
    "B140": "Relief from Stay/Adequate Protection Proceedings",
    "B150": "Meetings of and Communications with Creditors",
    "B160": "Fee/Employment Applications",
    "B170": "Fee/Employment Objections",
    "B180": "Avoidance Action Analysis",
    "B185": "Assumption/Rejection of Leases and Contracts",
    "B190": "Other Contested Matters (excluding assumption/rejection motions)",
    "B195": "Non-Working Travel",
    "B200": "Operations",
    "B210": "Business Operations",
    "B220": "Employee Benefits/Pensions",
    "B230": "Financing/Cash Collections",
    "B240": "Tax Issues",
    "B250": "Real Estate",
    "B260": "Board of Directors Matters",
    "B300": "Claims and Plan",
    "B310": "Claims Administration and Objections",
    "B320": "Plan and Disclosure Statement (including Business Plan)",
    "B400": "Bankruptcy-Related Advice",
    "B410": "General Bankruptcy Advice/Opinions",
    "B420": "Restructurings",
}
ACTIVITIES = {
    "A101": "Plan and prepare for",
    "A102": "Research",
    "A103": "Draft/revise",
    "A104": "Review/analyze",
    "A105": "Communicate (in firm)",
    "A106": "Communicate (with client)",
    "A107": "Communicate (other outside counsel)",
    "A108": "Communicate (other external)",
    "A109": "Appear for/attend",
    "A110": "Manage data/files",
    "A111": "Other",
}
EXPENSES = {
    "E101": "Copying",
    "E102": "Outside printing",
    "E103": "Word processing",
    "E104": "Facsimile",
    "E105": "Telephone",
    "E106": "Online research",
    "E107": "Delivery services/messengers",
    "E108": "Postage",
    "E109": "Local travel",
    "E110": "Out-of-town travel",
    "E111": "Meals",
    "E112": "Court fees",
    "E113": "Subpoena fees",
    "E114": "Witness fees",
    "E115": "Deposition transcripts",
    "E116": "Trial transcripts",
    "E117": "Trial exhibits",
    "E118": "Litigation support vendors",
    "E119": "Experts",
    "E120": "Private investigators",
    "E121": "Arbitrators/mediators",
    "E122": "Local counsel",
    "E123": "Other professionals",
    "E124": "Other",
}
TASKS = {**LITIGATION, **COUNSELING, **PROJECT, **BANKRUPTCY}
TASK_EXAMPLES = ("L110", "L330", "C300", "P400", "B110")
ACTIVITY_EXAMPLES = ("A101", "A103", "A106")


def name(code: str) -> str | None:
    """The code's name in any set, None for a code that is not one."""
    return TASKS.get(code) or ACTIVITIES.get(code) or EXPENSES.get(code)


def task_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a task's code (None: nothing)."""
    code = value.strip().upper()
    if code in TASKS:
        return None
    if code in ACTIVITIES:
        return (
            f"{code} is an activity code ({ACTIVITIES[code]}): give it on a work type, and a task code here"
        )
    return f"{value!r} is not a UTBMS task code, such as " + _examples(TASK_EXAMPLES, TASKS)


def activity_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a work type's activity code (None: nothing)."""
    code = value.strip().upper()
    if code in ACTIVITIES:
        return None
    if code in TASKS:
        return f"{code} is a task code ({TASKS[code]}): give it on a task, and an activity code here"
    return f"{value!r} is not a UTBMS activity code (A101 to A111), such as " + _examples(
        ACTIVITY_EXAMPLES, ACTIVITIES
    )


def _examples(codes: tuple[str, ...], names: dict[str, str]) -> str:
    return ", ".join(f"{c} {names[c]}" for c in codes)
