"""One module per ``autopack`` subcommand: each exposes ``register(subparsers)``.

``register`` adds the subparser and sets ``func`` to a callable taking the parsed
namespace and returning the exit code. Business logic lives in ``ops/``,
``schema/``, ``patterns/``...; these modules only translate arguments.
"""
