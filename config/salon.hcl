# Example configuration for salond, used by `make run`:
#
#     bin/salond -config config/salon.hcl
#
# Every setting is optional; each one below is shown with its default value,
# except data_dir. See docs/config.md for the full reference.

# The TCP address clients connect to, as host:port. An empty host (":7777")
# listens on every interface; port 0 picks a free port.
listen = "127.0.0.1:7777"

# Where the database and uploaded files live. A relative path is taken from
# the folder of this file, not from where salond was started: "../data" is the
# data folder at the root of the repository. Without this line it would be
# "./data", relative to the working directory.
data_dir = "../data"

log {
  # How much to log: "trace", "debug", "info", "warn" or "error".
  level = "info"

  # "text" for people reading a terminal, "json" for log collectors.
  format = "text"
}

# Passwords are hashed with argon2id. Raising these makes each guess costlier
# for an attacker and each login costlier for the server. Existing hashes keep
# working after a change: each one records the parameters it was made with.
passwords {
  # Passes over memory (1..16).
  time = 2

  # Memory per hash, in KiB (64..4194304). 19456 KiB is 19 MiB.
  memory_kib = 19456

  # Threads per hash (1..16).
  threads = 1

  # How many hashes may be computed at once (1..256); further logins wait.
  # Peak memory for hashing is about max_concurrent * memory_kib.
  max_concurrent = 4
}

limits {
  # Bytes waiting to be sent to one session (4096..1073741824). A client that
  # reads so slowly that its queue overflows is disconnected, so that it never
  # slows anyone else down.
  send_queue_bytes = 1048576

  # Commands of one session that may wait for the database at once (1..4096).
  pending_per_session = 64

  # How long one write to a client may take before the session is dropped.
  # A duration with a unit, such as "30s" or "2m"; at least "1s".
  write_timeout = "30s"

  # How long a new connection has to log in; at least "1s".
  login_timeout = "60s"

  # Open connections from one IP address; more are refused.
  connections_per_address = 32

  # New accounts from one IP address per hour.
  registrations_per_hour = 10

  # After this much silence the server sends "PING salond"; after
  # ping_timeout more, it disconnects.
  idle_timeout = "5m"
  ping_timeout = "1m"

  # Commands that reach other users or plugins (MSG, uploads, INV, JOIN,
  # leaving, RENAME, PSD, DEL, JEU and plugin verbs) per second a user may
  # send, with a burst: beyond it the user is slowed down, and disconnected
  # after flood_delay of it.
  messages_per_second = 10
  message_burst       = 30
  flood_delay         = "10s"

  # Members of one channel (the general channel is the whole server).
  members_per_channel = 10000

  # Servers one user may own, and channels one user may have created.
  servers_per_user  = 20
  channels_per_user = 100

  # Invitations waiting for an answer: sent by one user, and received by one.
  invitations_sent     = 100
  invitations_received = 200
}

# A TLS listener beside the plaintext one (SIGHUP reloads the key pair):
#
# tls {
#   listen = "0.0.0.0:7778"
#   cert   = "/etc/salon/cert.pem"
#   key    = "/etc/salon/key.pem"
#   # refuse a plaintext listen address that is not loopback:
#   plaintext_loopback_only = true
# }

# The web client: open http://127.0.0.1:8080 in a browser. The same address
# carries the line protocol over WebSocket (/ws). Without this block no web
# client is served. With tls.cert and tls.key set it is HTTPS.
web {
  listen = "127.0.0.1:8080"

  # Pages of other origins whose scripts may open sessions here; the page
  # salond serves itself is always allowed.
  # allowed_origins = ["https://chat.example.org"]

  # Proxies whose X-Forwarded-For or Forwarded header is believed for the
  # per-address limits, as addresses or CIDR prefixes.
  # trusted_proxies = ["127.0.0.1", "::1"]
}

storage {
  # "full" waits for every commit to reach the disk: nothing acknowledged is
  # ever lost. "normal" is faster, but a power cut may lose the last
  # acknowledged commits (never corrupt the database).
  sync = "full"
}

files {
  # The largest file a client may upload, in bytes (25 MiB).
  max_bytes = 26214400

  # Downloads (files and save.txt histories) streamed at the same time.
  max_downloads = 16
}

# Plugins: games, bots and moderation run as separate programs, restarted if
# they crash. `command` is relative to this file's folder; `sha256`, when
# given, refuses a binary that changed; `config` is the plugin's own block,
# checked by the plugin. `make build` builds the bundled ones into bin/.
# SIGHUP (or RELOAD on the console) applies changes to this list.

# A bot that answers "!roll 2d6+1" in the channels it is invited to, and a
# verb "ROLL 2d6+1" that answers the roller alone.
plugin "dice" {
  command = "../bin/salon-dice"
  config {
    bot = "dice"
  }
}

# Masks (or, with mode = "reject", refuses) messages with these words.
plugin "wordfilter" {
  command = "../bin/salon-wordfilter"
  config {
    words = ["frack", "smeg"]
    mode  = "mask"
  }
}

# European roulette, a table per conversation: the first bet opens a betting
# window of betting_window, then the wheel spins and pays. See
# docs/games/roulette.md.
plugin "roulette" {
  command = "../bin/salon-roulette"
  config {
    betting_window = "30s"
  }
}

# Blackjack, a table of 6 seats per conversation: the first bet opens a
# betting window, then every seat plays its hand in turn against the dealer.
# A player idle past turn_timeout is skipped. See docs/games/blackjack.md.
plugin "blackjack" {
  command = "../bin/salon-blackjack"
  config {
    betting_window      = "15s"
    turn_timeout        = "20s"
    decks               = 6
    dealer_hits_soft_17 = false # the dealer stands on soft 17
    min_bet             = 10
    max_bet             = 500
  }
}

# No-limit Texas hold'em, a table of 2 to 9 seats per conversation. Players
# buy in from their wallet; a hand starts start_delay after two are ready. A
# player idle past turn_timeout checks or folds and sits out. See
# docs/games/holdem.md.
plugin "holdem" {
  command = "../bin/salon-holdem"
  config {
    small_blind  = 5
    big_blind    = 10
    min_buy_in   = 200 # 20 big blinds
    max_buy_in   = 1000
    turn_timeout = "30s"
    start_delay  = "5s"
  }
}

# Calls (voice, video, screen sharing) in every conversation, on the web
# client. All media of every call goes through this one UDP port; salond
# forwards it without decoding. Remove the block to have no calls. Behind
# NAT, or listening on 0.0.0.0, set public_ip to the address clients reach,
# and open the UDP port in the firewall; see docs/calls.md.
calls {
  udp = "127.0.0.1:7779"

  # public_ip = "203.0.113.7"

  # People in one call (2..1000), calls at once on the instance (direct calls
  # included) and in the channels of one server.
  max_participants     = 25
  max_calls            = 100
  max_calls_per_server = 10

  # What one participant may send at once: 1 (microphone), 2 (and a camera),
  # 3 (and a screen share).
  max_tracks = 3

  # Each track's bitrate in kbit/s, told to clients and enforced: packets
  # beyond twice it are dropped. 600 kbit/s per camera makes a 10-person video
  # call about 0.7 Mbit/s of upload and 6 Mbit/s of download for each person.
  audio_kbps  = 64
  video_kbps  = 600
  screen_kbps = 1500

  # Each track that ends (someone leaves, stops a camera or a share) leaves a
  # dead section in the others' connections, about 300 bytes repeated in every
  # later negotiation. After this many, salond gives the connection a new one
  # (a second's gap in that person's sound and video).
  renew_after = 64

  # TURN relays for clients whose network lets no UDP through; either fixed
  # credentials or coturn's shared secret (use-auth-secret):
  # turn {
  #   urls   = ["turn:turn.example.org:3478", "turns:turn.example.org:5349"]
  #   secret = "the static-auth-secret of coturn"
  #   ttl    = "12h"
  # }
}
