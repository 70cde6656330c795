import ArgumentParser
import FinewsStore
import FinewsNormalize
import Foundation

/// `finews init`: write a starter Jekyll site and its feeds.conf.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter Jekyll site and a feeds.conf into a folder.",
        discussion: "Existing files are never overwritten; they are listed as skipped.")

    @Argument(help: "The folder for the site (created if needed).")
    var folder: String

    @Option(name: .long, help: "The site's title.")
    var title = "finews"

    @Option(name: .long, help: "IANA time zone for the site and its posts.")
    var timezone = TimeZone.current.identifier

    func run() throws {
        guard TimeZone(identifier: timezone) != nil else {
            printError("finews: unknown time zone '\(timezone)'; use an IANA name such as Asia/Shanghai")
            throw ExitStatus.usage
        }
        let url = URL(fileURLWithPath: folder)
        do {
            let result = try StarterSite.write(into: url, title: title, timeZone: timezone)
            for path in result.written { print("wrote \(folder)/\(path)") }
            for path in result.skipped { print("kept  \(folder)/\(path) (exists)") }
            print("next: add [[feed]] tables to \(folder)/feeds.conf, then `finews refresh --config \(folder)/feeds.conf` and `jekyll build` in \(folder)")
        } catch {
            printError("finews: \(error.message)")
            throw ExitStatus.usage
        }
    }
}
