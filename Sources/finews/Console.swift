import FinewsDaemon
import Foundation
import Glibc
import Synchronization

/// Standard error shared by log lines and the progress bar of `finews refresh`.
///
/// The bar is drawn only on a terminal and not under `--quiet`: one line rewritten in
/// place with a carriage return, at most ten times a second, and erased when the
/// refresh ends. A log line first erases the bar, which the next update draws again.
final class Console: Sendable {
    private struct State {
        var barShown = false
        var lastDraw: ContinuousClock.Instant?
        var waitingReported = false
    }

    /// Whether the bar is drawn.
    let showsProgress: Bool
    private let quiet: Bool
    private let state = Mutex(State())
    private let clock = ContinuousClock()

    init(quiet: Bool, isTerminal: Bool = isatty(2) == 1) {
        self.quiet = quiet
        self.showsProgress = isTerminal && !quiet
    }

    /// Writes a log line (or any text ending in a newline), erasing the bar first.
    func write(_ text: String) {
        state.withLock { state in
            if state.barShown {
                FinewsLogHandler.writeToStandardError("\r\u{1B}[2K")
                state.barShown = false
            }
            FinewsLogHandler.writeToStandardError(text)
        }
    }

    /// Shows a cycle's progress.
    func update(_ progress: RefreshProgress) {
        if case .waitingForLock(let holder) = progress.phase, !showsProgress {
            // Without a bar, say once why nothing happens yet (not under --quiet: cron waits silently).
            guard !quiet else { return }
            let first = state.withLock { state in
                defer { state.waitingReported = true }
                return !state.waitingReported
            }
            if first { write("finews: waiting for the refresh of \(holder) to finish\n") }
            return
        }
        guard showsProgress else { return }
        state.withLock { state in
            let now = clock.now
            let final = progress.phase == .writing
            if let last = state.lastDraw, now - last < .milliseconds(100), !final { return }
            state.lastDraw = now
            FinewsLogHandler.writeToStandardError("\r\u{1B}[2K" + Self.bar(progress))
            state.barShown = true
        }
    }

    /// Erases the bar, if it is shown.
    func finish() {
        state.withLock { state in
            guard state.barShown else { return }
            FinewsLogHandler.writeToStandardError("\r\u{1B}[2K")
            state.barShown = false
        }
    }

    /// `finews: [##########----------] 12/24 feeds, 3 new posts`.
    static func bar(_ progress: RefreshProgress, width: Int = 20) -> String {
        switch progress.phase {
        case .waitingForLock(let holder):
            return "finews: waiting for the refresh of \(holder) to finish…"
        case .fetching, .writing:
            let total = max(progress.feedsTotal, 1)
            let filled = min(width, progress.feedsDone * width / total)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let posts = "\(progress.postsNew) new post\(progress.postsNew == 1 ? "" : "s")"
            let suffix = progress.phase == .writing ? ", writing" : ""
            return "finews: [\(bar)] \(progress.feedsDone)/\(progress.feedsTotal) feeds, \(posts)\(suffix)"
        }
    }
}
