import ArgumentParser
import FinewsFetch
import Glibc

/// The process's entry point: settles signal dispositions, then runs the command.
@main
enum Entry {
    static func main() async {
        // A write past the file-size limit (`ulimit -f`) must fail with EFBIG and a
        // clear message, not kill the process halfway through a batch.
        signal(SIGXFSZ, SIG_IGN)
        await Finews.main()
    }
}

/// The `finews` command: a feed aggregator that writes Jekyll posts.
struct Finews: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finews",
        abstract: "Fetch RSS and Atom feeds and write every story as a Jekyll post, once.",
        discussion: """
            Exit codes: 0 ok, 1 some feeds failed, 2 usage or configuration error, 75 another refresh holds the lock.
            The configuration is read from --config, then $FINEWS_CONFIG, then ./feeds.conf, then /etc/finews/feeds.conf.
            """,
        version: FeedFetcher.finewsVersion,
        // Every command names itself (`commandName`): otherwise ArgumentParser derives
        // each name from its type's name at run time, on every start.
        subcommands: [Run.self, Refresh.self, Check.self, Status.self, Init.self, Archive.self, Repair.self, Parse.self,
                      OPMLCommand.self, Add.self])
}

/// Exit codes shared by the commands (DESIGN.md §8).
enum ExitStatus {
    static let feedsFailed = ExitCode(1)
    static let usage = ExitCode(2)
    static let lockBusy = ExitCode(75)
}

/// Writes a line to standard error.
func printError(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.standardError(string)
    }
}
