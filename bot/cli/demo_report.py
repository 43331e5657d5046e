"""What `recap demo` says around the thread: what is simulated, what each service received, the
way to a real workspace, and where everything runs under --keep.
"""

from __future__ import annotations

import os

from bot.sim.stage import AppProcess, Stage
from bot.sim.terminal import BOLD, Terminal, style

NEXT_STEPS = """\
1. On https://api.slack.com/apps: Create New App → From a manifest → paste manifest.yml (in the
   Recap repository) → Install to your workspace.
2. Copy .env.example to .env and fill in:
     SLACK_BOT_TOKEN     OAuth & Permissions → Bot User OAuth Token (xoxb-…)
     SLACK_APP_TOKEN     Basic Information → App-Level Tokens, scope connections:write (xapp-…)
     ASSEMBLYAI_API_KEY  your AssemblyAI dashboard; it also pays for the LLM Gateway
     LLM_BASE_URL, LLM_API_KEY, LLM_MODEL  only to use another OpenAI-compatible LLM
3. recap doctor checks them; recap run starts Recap. Then /invite @recap in a channel and drop a
   recording. The README walks through it (HTTP mode, webhooks, every setting)."""


def intro(term: Terminal, llm_env: dict[str, str]) -> None:
    """The first lines: plainly, what is simulated and what is real."""
    if llm_env:
        term.say(style("Recap demo: Slack and AssemblyAI are simulated on this machine; the LLM "
                       f"is real ({llm_env['LLM_MODEL']} at {llm_env['LLM_BASE_URL']}).", BOLD))
    else:
        term.say(style("Recap demo: Slack, AssemblyAI and the LLM are simulated on this machine "
                       "(127.0.0.1).", BOLD))
        term.say("No accounts, no keys, no network.")
    term.say("Recap itself is the real app (`recap run` in HTTP mode), pointed at them only "
             "through its settings, exactly as in production.")
    term.say()


def receipts(term: Terminal, stage: Stage, llm_env: dict[str, str]) -> None:
    """What each service received, as the simulators counted it."""
    aai, llm, slack = stage.assemblyai, stage.llm, stage.slack
    uploaded = sum(u.size for u in aai.uploaded)
    summaries = sum(c.schema == "recap" for c in llm.completions)
    answers = sum(c.schema is None for c in llm.completions)
    downloaded = sum(d.bytes_sent for d in slack.downloads)
    reactions = slack.count("reactions.add") + slack.count("reactions.remove")
    llm_row = (f"the real {llm_env['LLM_MODEL']} at {llm_env['LLM_BASE_URL']} (not counted here)"
               if llm_env else
               f"{llm.calls} calls ({summaries} for summary parts and merges, {answers} for the "
               f"answer), {llm.input_tokens:,} tokens in, {llm.output_tokens:,} out")
    named = [f"{label} as {name}" for i in aai.identifications
             for label, name in sorted(i.mapping.items())]
    identified = (f"; Speaker Identification named {', '.join(named)} from the channel's "
                  "members" if named else "")
    streamed = slack.count("chat.startStream")  # answers streamed in (chat.startStream)
    rows = [
        ("AssemblyAI (simulated)", f"{aai.uploads} upload ({uploaded:,} bytes), {aai.creates} "
                                   f"transcript created, {aai.gets} status checks{identified}"),
        (f"LLM ({'real' if llm_env else 'simulated'})", llm_row),
        ("Slack (simulated)", f"{slack.count('chat.postMessage') + streamed} messages posted, "
                              f"{slack.count('chat.update')} edits, {reactions} reaction changes, "
                              f"{len(slack.downloads)} file download ({downloaded:,} bytes); "
                              + (f"{streamed} streamed in as written; " if streamed else "")
                              + "every Block Kit payload passed Slack's checks"),
    ]
    term.say()
    term.say(style("What each service received", BOLD))
    for name, text in rows:
        term.say(f"  {name:<24}{text}", hang=" " * 26)


def next_steps(term: Terminal) -> None:
    term.say()
    term.say(style("Next: Recap in your own Slack workspace", BOLD))
    term.say(NEXT_STEPS, "  ", hang="")


def still_running(term: Terminal, stage: Stage, app: AppProcess, *, typing: bool) -> None:
    """--keep: where each piece listens, so a developer can send events or read the database."""
    llm_url = app.env["LLM_BASE_URL"]
    rows = [
        ("Slack Web API", f"{stage.slack.api_url}  (bot token {stage.slack.bot_token})"),
        ("AssemblyAI", f"{stage.assemblyai.base_url}  (key {stage.assemblyai.api_key})"),
        ("LLM", llm_url + ("" if llm_url.startswith(stage.llm.base_url) else "  (the real one)")),
        ("Recap (the app)", f"{app.events_url}  (events, slash commands and clicks)"),
        ("Signing secret", f"{stage.slack.signing_secret}  (Slack's v0 signature of each request)"),
        ("Database", os.path.join(stage.workdir, "recap.db")),
        ("App log", app.log_path),
    ]
    term.say()
    term.say(style("Still running; Ctrl-C stops it all and deletes its folder.", BOLD))
    for name, value in rows:
        term.say(f"  {name:<17}{value}", hang=" " * 19)
    if typing:
        term.say("Type a question for the recap's thread, or /recap STYLE, and press Enter.")
