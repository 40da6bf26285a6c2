import Foundation
import Synchronization

/// Where a protocol run writes its messages (standard output for Singer and Airbyte): one JSON object per line, each
/// group written whole, so messages of concurrent streams never interleave inside a commit (its records, then the
/// state that covers them).
public final class ProtocolOutput: Sendable {
    private let sink: @Sendable (String) -> Void
    private let writing = Mutex(())

    /// `sink` receives whole lines, each ending in a newline.
    public init(sink: @escaping @Sendable (String) -> Void) { self.sink = sink }

    /// Messages to standard output, where both protocols read them (logs go to standard error).
    public static func standardOutput() -> ProtocolOutput {
        ProtocolOutput { FileHandle.standardOutput.write(Data($0.utf8)) }
    }

    /// Writes `lines` in order, none of another group between them.
    public func emit(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        writing.withLock { _ in sink(lines.joined(separator: "\n") + "\n") }
    }
}
