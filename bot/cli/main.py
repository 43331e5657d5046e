"""`recap`: one entry point for people and the Procfile (run, summarize, judge, eval, ask, doctor,
demo).

Prints results on stdout, progress and errors on stderr; a failure is
one sentence and a non-zero exit, never a traceback unless LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bot import config as config_module
from bot.cli.ask import add_parser as ask_parser
from bot.cli.common import made_recap
from bot.core import prompts
from bot.core.judge import verdict_text
from bot.core.markdown import recap_terminal, shown_markdown
from bot.core.speakers import named_recap, parse_speakers_option
from bot.errors import RecapError

log = logging.getLogger("recap")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recap", description="Turn recordings into recaps, in Slack or in the terminal."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set)")
    summarize = commands.add_parser("summarize", help="print the recap of a file, URL or stdin")
    summarize.add_argument(
        "source", help="audio/video file, https URL, .vtt/.srt/.txt, or - for stdin"
    )
    _style_args(summarize)
    summarize.add_argument("--json", action="store_true", help="print the recap object as JSON")
    summarize.add_argument("--speakers", default="", metavar='"A=NAME,B=NAME"',
                           help="name the diarized speakers in the recap")
    summarize.add_argument(
        "--judge", action="store_true", help="check the recap first; rewrite it once if flagged"
    )
    judge = commands.add_parser(
        "judge", help="grade a recording's recap against its transcript (exit 0 ok, 1 flagged)"
    )
    judge.add_argument("source", help="the recording or transcript file, or URL, as for summarize")
    _style_args(judge)
    judge.add_argument("--json", action="store_true", help="print the verdict as JSON")
    evaluate = commands.add_parser("eval", help="summarize and judge every file in a folder")
    evaluate.add_argument("dir", help="a folder of recordings and/or transcript files")
    evaluate.add_argument("--style", default=prompts.DEFAULT_STYLE, choices=sorted(prompts.STYLES))
    evaluate.add_argument("--json", action="store_true", help="print the rows as JSON")
    ask_parser(commands)
    commands.add_parser("worker", help="with DATABASE_URL: run the jobs `recap run` enqueues")
    commands.add_parser("migrate", help="bring the database's schema up to date (SQLite or "
                        "DATABASE_URL's PostgreSQL) and exit")
    doctor = commands.add_parser("doctor", help="check the configuration before going live")
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    demo = commands.add_parser(
        "demo", help="see Recap work in a simulated Slack, no accounts needed (a smoke test too)"
    )
    demo.add_argument(
        "--real-llm",
        action="store_true",
        help="summarize with your real LLM (LLM_* settings, or ASSEMBLYAI_API_KEY)",
    )
    demo.add_argument(
        "--keep", action="store_true", help="leave the simulators and the app running (Ctrl-C)"
    )
    return parser


def _style_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--style", default=prompts.DEFAULT_STYLE, choices=sorted(prompts.STYLES))
    parser.add_argument("--instructions", default="", help="custom instructions for the summary")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, int]]] = {
        "run": _run,
        "summarize": _summarize,
        "judge": _grading,
        "eval": _grading,
        "ask": _ask,
        "doctor": _doctor,
        "demo": _demo,
        "migrate": _migrate,
        "worker": _worker,
    }
    try:
        return asyncio.run(handlers[args.command](args))
    except KeyboardInterrupt:
        return 130
    except RecapError as error:
        print(f"recap: {error}", file=sys.stderr)
        return ERROR_EXIT.get(args.command, 1)
    except Exception as error:  # the last net: one sentence, the traceback only at DEBUG
        log.debug("unexpected error", exc_info=True)
        print(f"recap: unexpected error ({type(error).__name__}): {error}", file=sys.stderr)
        return ERROR_EXIT.get(args.command, 1)


ERROR_EXIT = {"judge": 2, "eval": 2}  # their exit 1 means "flagged", so an error is 2


async def _grading(args: argparse.Namespace) -> int:
    from bot.cli.evaluate import eval_command, judge_command

    return await (judge_command if args.command == "judge" else eval_command)(args)


async def _ask(args: argparse.Namespace) -> int:
    from bot.cli.ask import ask_command

    return await ask_command(args)


async def _doctor(args: argparse.Namespace) -> int:
    from bot.cli.doctor import doctor_command

    return await doctor_command(args)


async def _demo(args: argparse.Namespace) -> int:
    from bot.cli.demo import demo_command

    return await demo_command(args)


async def _migrate(args: argparse.Namespace) -> int:
    from bot.worker import migrate

    where = await migrate(config_module.load())
    print(f"recap: the database at {where} is up to date")
    return 0


async def _worker(args: argparse.Namespace) -> int:
    from bot.errors import ConfigError
    from bot.worker import work

    config = config_module.load()
    if not config.database_url:
        raise ConfigError("recap worker needs DATABASE_URL (PostgreSQL); with SQLite, "
                          "`recap run` runs the jobs itself.")
    return await work(config)


async def _run(args: argparse.Namespace) -> int:
    from bot.server import serve

    config = config_module.load()
    config.require_for_run()
    return await serve(config)


async def _summarize(args: argparse.Namespace) -> int:
    from bot.pipeline import Progress

    async with made_recap(args, judge=True if args.judge else None) as made:
        await made.show(Progress("done", "Recap from the cache" if made.stored else "Done"))
    recap = named_recap(made.recap, parse_speakers_option(args.speakers))
    if args.json:
        shown = {**recap.to_dict(), "text": shown_markdown(recap)}  # with the judge's warning
        print(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        print(recap_terminal(recap), end="")  # it ends in its own newline
        if recap.judge is not None:
            print(f"\n{verdict_text(recap.judge)}", end="")
    return 0


