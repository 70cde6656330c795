import FinewsConfig
import FinewsStore
import Foundation
import Logging

/// What a cycle does once its writes are on disk and recorded: the `[hooks]
/// after_write` command, then the `[metrics]` figures (the ledger and the textfile).
///
/// Both run while the cycle still holds `.finews/lock`. For the hook this is a
/// choice: the site does not change under it (a `git add -A` sees exactly this
/// cycle's files and `FINEWS_CHANGED_FILES` is the whole difference), and the hooks
/// of the daemon and of a `finews refresh` from cron never run at once (two `git
/// commit`s in one repository would collide on its index lock). The cost is that
/// another cycle waits for the hook, at most `[hooks] timeout`.
struct CyclePublishing: Sendable {
    var config: Config
    var logger: Logger
    var now: @Sendable () -> Date

    /// Runs the hook when the cycle changed files, then records the cycle's figures.
    /// Never throws: a failing hook or an unwritable textfile is a warning.
    func afterWrite(
        _ summary: inout RefreshSummary, stop: StopRequest?, progress: (@Sendable (RefreshProgress) -> Void)?
    ) async {
        await runHook(&summary, stop: stop, progress: progress)
        // A daemon cycle that found nothing due (a refresh by hand got there first) is not counted.
        guard config.metrics.isEnabled, !summary.feeds.isEmpty || !summary.changedFiles.isEmpty else { return }
        let finished = summary
        let configured = Set(config.feeds.map(\.name))
        let ledger = MetricsLedger.update(in: config.stateDirectory, logger: logger) {
            $0.record(finished, hook: finished.hook, at: now())
            // A feed removed from feeds.conf no longer counts as failing.
            $0.failingFeeds.formIntersection(configured)
        }
        writeTextfile(ledger)
    }

    /// Counts a cycle that could not run or write (not one that was stopped or
    /// found the lock busy) and writes the textfile.
    func cycleFailed(_ error: RefreshError) {
        guard config.metrics.isEnabled, error.code != .cancelled, error.code != .lockBusy,
              error.code != .unknownFeed else { return }
        let ledger = MetricsLedger.update(in: config.stateDirectory, logger: logger) { $0.cycleFailures += 1 }
        writeTextfile(ledger)
    }

    /// Runs `[hooks] after_write` if it is set and the cycle wrote or moved a file,
    /// logging a failure as a warning and recording the run for `finews status`.
    func runHook(
        _ summary: inout RefreshSummary, stop: StopRequest?, progress: (@Sendable (RefreshProgress) -> Void)?
    ) async {
        guard let command = config.hooks.afterWrite, !summary.changedFiles.isEmpty else { return }
        let hook = AfterWriteHook(
            command: command, timeout: config.hooks.timeout, siteRoot: config.site.output,
            stateDirectory: config.stateDirectory, logger: logger)
        let changes = AfterWriteHook.Changes(
            new: summary.postsNew, updated: summary.postsUpdated, archived: summary.postsArchived,
            files: summary.changedFiles)
        // The daemon's watchdog counts progress reports: a hook that runs for minutes
        // must not look like a stuck scheduler.
        let feeds = summary.feeds.count
        let postsNew = summary.postsNew
        var beat: (@Sendable () -> Void)?
        if let progress {
            beat = { progress(RefreshProgress(phase: .writing, feedsDone: feeds, feedsTotal: feeds, postsNew: postsNew)) }
        }
        logger.info("running the after_write hook", metadata: [
            "new": "\(changes.new)", "updated": "\(changes.updated)", "archived": "\(changes.archived)",
            "files": "\(changes.files.count)",
        ])
        let outcome = await hook.run(changes, stop: stop, beat: beat)
        if outcome.succeeded {
            logger.info("after_write hook done", metadata: ["seconds": "\(String(format: "%.2f", outcome.seconds))"])
        } else {
            logger.warning("after_write hook failed: \(outcome.message); the cycle's posts stay written", metadata: [
                "result": "\(outcome.result.rawValue)",
            ])
        }
        HookRecord.add(outcome, at: now(), in: config.stateDirectory, logger: logger)
        summary.hook = outcome
    }

    /// What the cycle changed in the site, for `FINEWS_CHANGED_FILES`: the files it
    /// wrote, then both ends of each move, except that a post written and moved in
    /// the same cycle is only where it ended (its first path never existed before).
    static func changedFiles(written: [String], moved: [(from: String, to: String)]) -> [String] {
        let movedFrom = Set(moved.map(\.from))
        let writtenNow = Set(written)
        return written.filter { !movedFrom.contains($0) }
            + moved.flatMap { writtenNow.contains($0.from) ? [$0.to] : [$0.from, $0.to] }
    }

    private func writeTextfile(_ ledger: MetricsLedger) {
        guard let file = config.metrics.textfile else { return }
        do {
            try PrometheusText.writeTextfile(PrometheusText.render(ledger), to: file)
        } catch {
            logger.warning("\(error.message)")
        }
    }
}

extension Config.PostFormat {
    /// The renderer's options for this `[post]` table.
    var rendererOptions: PostRenderer.Options {
        PostRenderer.Options(
            frontMatter: frontMatter.compactMap { PostRenderer.Options.Field(rawValue: $0.rawValue) },
            dateFormat: dateFormat == .rfc3339 ? .rfc3339 : .reference)
    }
}
