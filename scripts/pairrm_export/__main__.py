import sys

from .export import main


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
