/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Every size, limit and timeout of mcpwarden, kernel and user side, in one place. */
#ifndef MCPWARDEN_LIMITS_H
#define MCPWARDEN_LIMITS_H

/* ---- kernel side (also part of the ABI: user space sizes buffers from these) ---- */

/* Bytes of payload in one ring-buffer record; a syscall moving more is split into chunks. */
#define MW_CHUNK_MAX            16384u
/* Upper bound of chunk records emitted for one syscall (MW_CHUNK_MAX * this = bytes per syscall). */
#define MW_CHUNKS_PER_SYSCALL   1024u
/* iovecs walked per readv/writev/recvmsg/sendmsg; Linux allows 1024 (UIO_MAXIOV). */
#define MW_IOV_MAX              1024u
/* Bytes of a read scanned for an MCP request by a process that is not tracked yet. */
#define MW_DETECT_SCAN          1024u
/* The shortest read traffic detection can match: '{' then "method":"initialize" (the shortest
 * needle, bpf/detect.bpf.h). Shorter reads of untracked processes (eventfd counters, wake-up
 * bytes) are not even peeked at. */
#define MW_DETECT_MIN           22u
/* Bytes of an untracked read starting with "POST " searched for the end of its headers; the
 * scan above starts at the body (power of two). */
#define MW_DETECT_HEAD          8192u
#define MW_COMM_LEN             16u
/* Bytes of argv copied at exec (arguments are NUL separated, as in /proc/PID/cmdline). */
#define MW_ARGS_MAX             512u
/* Bytes of the executable path copied at exec. */
#define MW_PATH_MAX             256u
/* Bytes of a path string a process passed to a syscall. */
#define MW_FPATH_MAX            256u
/* Bytes of a path resolved in the kernel from a dentry and mount walk ... */
#define MW_RPATH_MAX            512u
/* ... of at most this many components. */
#define MW_PATH_DEPTH           48u
/* Per-CPU scratch for the walk (power of two, twice the longest name plus the path). */
#define MW_PATHBUF              4096u
#define MW_NAME_MAX             255u
/* Bytes of a unix socket path (sizeof sun_path). */
#define MW_UNIX_PATH_MAX        108u
/* fds above this are not resolved (the fd table walk is bounded). */
#define MW_FD_MAX               (1u << 20)

/* The kernel wakes the collector each time the data waiting in the ring buffer crosses a
 * multiple of this; below it the collector finds records on its next poll
 * (MW_POLL_TIMEOUT_MS). One wake-up per record would cost a context switch per message, and
 * an interrupt on the writer's CPU per record while the collector lags. */
#define MW_WAKEUP_BYTES         (256u << 10)

/* Map sizes. */
#define MW_TRACKED_MAX          16384u
#define MW_CHANNELS_MAX         16384u
/* Writing ends marked as tracked (LRU: an end evicted is marked again at its next write). */
#define MW_WRITERS_MAX          16384u
/* The tracked-process bitmap: one bit per possible tgid (PID_MAX_LIMIT on 64-bit kernels),
 * in 64-bit words: 512 KiB. */
#define MW_PID_LIMIT            (1u << 22)
#define MW_TRACKED_BITS_WORDS   (MW_PID_LIMIT / 64u)
/* 8 MiB: the collector maps the data pages twice, so this is 16 MiB of its RSS. Measured
 * lossless for 200 MiB bursts of 1 MiB messages and for 80k small messages/s in the default
 * payload mode (docs/performance.md, f); --payload full and long collector stalls want more. */
#define MW_RINGBUF_DEFAULT_MB   8u
#define MW_RINGBUF_MIN_MB       1u
#define MW_RINGBUF_MAX_MB       1024u

/* ---- user side ---- */

/* Largest MCP message reassembled; a longer line becomes an "mcp.truncated" record. */
#define MW_MESSAGE_CAP_DEFAULT  (16u << 20)
#define MW_MESSAGE_CAP_MIN      (4u << 10)
#define MW_MESSAGE_CAP_MAX      (1024u << 20)
/* Bytes buffered out of order per stream before the gap is declared lost. */
#define MW_STREAM_REORDER_MAX   (4u << 20)
/* Default payload mode: string fields longer than this are shortened ... */
#define MW_SHORTEN_OVER         4096u
/* ... to this many leading bytes. */
#define MW_SHORTEN_KEEP         256u
/* Glob patterns given with --match, and PIDs given with --pid. */
#define MW_MATCH_MAX            32u
#define MW_PIDS_MAX             64u
/* Command line kept per process (bytes, after joining argv with spaces). */
#define MW_CMDLINE_MAX          1024u
/* Ring-buffer poll timeout: the longest a record waits for the collector below
 * MW_WAKEUP_BYTES, and the longest delay before a stop signal is noticed. */
#define MW_POLL_TIMEOUT_MS      20
/* The kernel's loss counters are read (and new losses reported) at most this often, and at
 * exit: one bpf() call per poll was a tenth of the collector's time under steady traffic. */
#define MW_DROPS_PERIOD_MS      250
/* Channels remembered per process when looking up a stream's peer. */
#define MW_PEER_SCAN_FDS_MAX    4096u
/* Sockets of one process listed when checking which of its HTTP connections are still open;
 * a process holding more is not asked (its connections are kept until it exits). */
#define MW_SWEEP_SOCKETS_MAX    65536u
/* Requests remembered per session while awaiting their answer (none are expired by time). */
#define MW_PENDING_MAX          65536u

/* Arguments of a request kept while it is in flight (for alerts: shell injection evidence):
 * only from lines up to this size, and up to a budget per session. */
#define MW_CALL_ARGS_LINE_MAX   (64u << 10)
#define MW_CALL_ARGS_BUDGET     (4u << 20)

/* Values nested deeper than this (a scalar counts one level, as in jansson's
 * JSON_PARSER_MAX_DEPTH) make a message invalid JSON (user/jscan.c). */
#define MW_JSON_DEPTH_MAX       2048u
/* Decoded bytes of a message's envelope strings (method, tool, error message, ...) held in the
 * message itself; longer ones are allocated (user/jsonrpc.c). */
#define MW_JR_STRS_INLINE       512u

/* Bytes of a skipped line quoted in its note (a NUL is added after them). */
#define MW_PREVIEW_MAX          80u
/* First allocation of a framer's partial-line buffer; it doubles from there up to the cap. */
#define MW_FRAMER_BUF_MIN       4096u
/* A partial-line buffer grown past this is released once its line is done. */
#define MW_FRAMER_BUF_KEEP      (1u << 20)
/* Bytes of an id key ("n:<int>" or "s:<string>") built on the stack; longer ones are allocated. */
#define MW_ID_KEY_INLINE        96u
/* First bucket count of the session, pending-request and channel hash tables (power of two). */
#define MW_HASH_BUCKETS_MIN     16u

/* How long a starting collector waits for another one to release the pin directory (the one it
 * replaces may still be draining its ring buffer), and how often it tries. */
#define MW_PIN_LOCK_WAIT_MS     10000u
#define MW_PIN_LOCK_POLL_MS     100u

/* HTTP: bytes of one side held back per connection while the other side has to move first (a
 * response waiting for the end of its request); past this the connection is abandoned. */
#define MW_HTTP_HELD_MAX        (4u << 20)
/* HTTP: longest request or status line, header line or chunk-size line libhtp buffers. */
#define MW_HTTP_FIELD_MAX       (64u << 10)
/* HTTP: a request side joined mid-request is skipped to its next request line: the line's
 * last bytes kept while looking (a longer request line is missed), and the bytes skipped
 * before the connection is given up. */
#define MW_HTTP_RESYNC_LINE     (8u << 10)
#define MW_HTTP_RESYNC_MAX      (16u << 20)

#endif /* MCPWARDEN_LIMITS_H */
