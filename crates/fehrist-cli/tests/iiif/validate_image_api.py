"""Runs the IIIF Image API validator (iiif-validator from PyPI) against one sheet of a
running `fehrist serve`, sending the caller's token with every request, as a viewer
signed in to the registry does.

Usage: validate_image_api.py SERVER PREFIX IDENTIFIER TOKEN LEVEL
Exit status 0 when every test of the level passes; the failures are printed.
"""

import sys
import urllib.request

from iiif_validator.validator import ValidationInfo, ImageAPI, TestSuite


def main():
    server, prefix, identifier, token, level = sys.argv[1:6]
    opener = urllib.request.build_opener()
    opener.addheaders = [("Authorization", "Bearer " + token)]
    urllib.request.install_opener(opener)
    info = ValidationInfo()
    suite = TestSuite(info)
    failed = []
    ran = 0
    for name, test in sorted(suite.list_tests("3.0").items()):
        if test["level"] > int(level):
            continue
        api = ImageAPI(identifier, server, prefix, "http", "", "3.0", debug=False)
        ran += 1
        try:
            suite.run_test(name, api)
        except Exception as error:  # the validator's own checks raise on a bad answer
            failed.append(f"{name}: {error!r} ({api.urls})")
            continue
        if api.exception:
            e = api.exception
            failed.append(f"{name}: {e.message} got {e.got!r} expected {e.expected!r} ({api.urls})")
    for failure in failed:
        print("FAILED", failure)
    print(f"{ran - len(failed)} of {ran} Image API 3.0 level {level} tests passed")
    sys.exit(1 if failed or ran == 0 else 0)


if __name__ == "__main__":
    main()
