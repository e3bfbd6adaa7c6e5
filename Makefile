# The two commands of the README: `make run` and `make test`.
# Both install whatever Debian packages are missing (non-interactive, sudo when not root),
# configure with a CMake preset, build with Ninja and go.

PACKAGES := cmake ninja-build pkg-config g++ clang libclang-rt-14-dev \
            libgtest-dev libgmock-dev libbenchmark-dev libfmt-dev nlohmann-json3-dev \
            libcli11-dev libssl-dev python3 swaks libnet-ssleay-perl libio-socket-ssl-perl \
            libboost-dev libc-ares-dev curl opensmtpd dovecot-imapd dovecot-pop3d dnsmasq-base \
            bind9-dnsutils tshark msmtp fetchmail isync s-nail neomutt tmux \
            libimgui-dev libglfw3-dev libstb-dev libgl-dev libgl1-mesa-dri xvfb xauth \
            fonts-dejavu-core

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60

.PHONY: run test deps build-release build-asan build-fuzz bench format clean screenshots

# The graphical view on the first shipped scenario; without a display the program says how to
# run headless (exit 2), and the headless demonstration session is shown instead.
run: deps build-release
	./build/release/app/smtpsim gui || { [ $$? -eq 2 ] && ./build/release/app/smtpsim demo; }

# The optimised program is built too: GCC's -O2 warnings (errors here) differ from -O0's, and
# `make run` must never be the first to find one.
test: deps build-asan build-fuzz build-release
	cd build/asan && ctest --output-on-failure --no-label-summary -j $(JOBS) --timeout 900

deps:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages: $$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# `make run` needs only the program, not the tests.
build-release:
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target smtpsim

build-asan: build-fuzz
	cmake --preset asan -DSMTPSIM_FUZZ_DIR=$(CURDIR)/build/fuzz -DSMTPSIM_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build --preset asan -j $(JOBS)

# libFuzzer needs clang; without it the fuzz smoke tests report "skipped".
build-fuzz:
	@if command -v clang++ >/dev/null; then \
	  cmake --preset fuzz && cmake --build --preset fuzz -j $(JOBS); \
	else echo "clang++ not found: fuzz targets not built"; fi

# README screenshots, made by the program itself in a virtual X display (issue 5).
screenshots: deps build-release
	mkdir -p assets
	xvfb-run -a -s "-screen 0 1600x900x24" ./build/release/app/smtpsim gui cross-domain-relay \
	  --screenshot assets/cross-domain-relay.png --at 104
	xvfb-run -a -s "-screen 0 1600x900x24" ./build/release/app/smtpsim gui pop3-vs-imap \
	  --screenshot assets/pop3-vs-imap.png --at 181
	xvfb-run -a -s "-screen 0 1600x900x24" ./build/release/app/smtpsim gui unknown-user-bounce \
	  --screenshot assets/inspector-smtp-client.png --at 110 --select conn:2
	xvfb-run -a -s "-screen 0 1600x900x24" ./build/release/app/smtpsim gui 03-one-message \
	  --screenshot assets/lesson-03-one-message.png --step 4

bench: deps build-release
	cmake --build --preset release -j $(JOBS) --target smtpsim_bench
	./build/release/tests/bench/smtpsim_bench
	SMTPSIM_DATA_DIR=$(CURDIR)/lessons tests/bench/gui_xvfb_bench.sh ./build/release/app/smtpsim
	# Live mode: serve vs OpenSMTPD (smtp-source, 20 sessions, 10,000 x 1 KB), idle-connection memory.
	tests/bench/serve_bench.sh ./build/release/app/smtpsim

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
