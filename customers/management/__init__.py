from django.core.management.base import BaseCommand


class StaffCommand(BaseCommand):
    """A command whose every kind of bad input ends in one line on stderr:
    argparse's usage lines are left out of its error message."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None
        return parser
