# mk/browser.mk: `make check-browser` — pscope-html's reports opened in a real browser.
# Installs Debian's chromium through scripts/deps.sh, writes the single-run report of the
# sensor_pipeline sample, a diff report of two linear runs and a batch of three runs into
# $(B)/browser/, and drives headless chromium with the network disabled over the DevTools
# pipe (tests/browser/check_report.py, python3 standard library only): no console error,
# every chart and the icicle with a non-zero size, the icicle search highlights a known
# function, a click zooms, every link resolves; screenshots saved as $(B)/browser/*.png.

.PHONY: check-browser
check-browser: all
	@scripts/deps.sh chromium
	@scripts/check_browser.sh
