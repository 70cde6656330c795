import FinewsConfig
import ArgumentParser
import FinewsDaemon
import Foundation

/// `finews opml import FILE` and `finews opml export`.
struct OPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opml",
        abstract: "Import feeds from an OPML file, or export the configured feeds as OPML 2.0.",
        subcommands: [Import.self, Export.self])

    /// `finews opml import FILE`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add the feeds of an OPML file to the configuration as [[feed]] entries.",
            discussion: """
                Names come from the titles (letters, digits, '-' and '_'; made unique with -2, -3, ...). \
                Feeds whose URL is already configured are skipped and listed. The entries are appended \
                to the file, so its comments and layout stay; the result is validated before the file is \
                replaced. A running daemon picks them up on SIGHUP (systemctl reload finews).
                """)

        @Option(name: .long, help: "The configuration file.")
        var config: String?

        @Flag(name: .long, help: "Show what would be added without changing the configuration.")
        var dryRun = false

        @Argument(help: "The OPML file to import.")
        var file: String

        func run() throws {
            let loaded = try loadConfig(config)
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("finews: \(file): cannot read the file")
                throw ExitStatus.usage
            }
            let outlines: [OPMLOutline]
            do {
                outlines = try OPML.outlines(in: Array(data), source: file)
            } catch {
                printError("finews: \(error.message)")
                throw ExitStatus.usage
            }
            guard let text = (try? Data(contentsOf: loaded.file)).flatMap({ String(data: $0, encoding: .utf8) }) else {
                printError("finews: \(loaded.file.path): cannot read the configuration file")
                throw ExitStatus.usage
            }
            let plan = OPMLImport(outlines, into: text, config: loaded, source: (file as NSString).lastPathComponent)
            for skipped in plan.skipped {
                printError("finews: skipped \(skipped.url): \(skipped.reason)")
            }
            try writePlan(plan, to: loaded, dryRun: dryRun)
            for added in plan.added { print("\(dryRun ? "would add" : "added") \(added.name)  \(added.url)") }
            let count = plan.added.count
            print("finews: \(count) feed\(count == 1 ? "" : "s") \(dryRun ? "to add" : "added"), "
                + "\(plan.skipped.count) skipped; \(loaded.file.path)")
        }
    }

    /// `finews opml export`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print the configured http(s) feeds as OPML 2.0 on standard output.",
            discussion: "Feeds read from local files cannot be shared; they are left out and named on standard error.")

        @Option(name: .long, help: "The configuration file.")
        var config: String?

        func run() throws {
            let loaded = try loadConfig(config)
            let (xml, skipped) = OPML.export(loaded)
            print(xml, terminator: "")
            if !skipped.isEmpty {
                printError("finews: left out \(skipped.count) local-file feed\(skipped.count == 1 ? "" : "s"): "
                    + skipped.joined(separator: ", "))
            }
        }
    }
}

/// Writes the feeds a plan adds into feeds.conf: the new text is validated as a
/// whole first, then replaces the file atomically (`opml import`, `add`).
/// - Throws: ``ExitStatus/usage`` when the result would not be valid (nothing is
///   changed), ``ExitStatus/feedsFailed`` when the file cannot be written.
func writePlan(_ plan: OPMLImport, to loaded: Config, dryRun: Bool) throws {
    guard !plan.added.isEmpty else { return }
    do {
        _ = try Config.parse(plan.text, file: loaded.file, displayName: loaded.file.relativePath)
    } catch {
        printError("finews: the configuration would not be valid after the change; nothing was changed")
        for problem in error.problems { printError(problem.description) }
        throw ExitStatus.usage
    }
    guard !dryRun else { return }
    do {
        try ConfigFile.replace(loaded.file, with: plan.text)
    } catch {
        printError("finews: \(error.message)")
        throw ExitStatus.feedsFailed
    }
}
