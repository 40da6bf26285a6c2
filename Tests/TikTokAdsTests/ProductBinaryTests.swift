import Foundation
import Testing

/// The shipped `tiktok-ads` binary carries no test fakes: `TestSupport` (the Google Sheets API fake and the
/// other shared fakes) is linked only into tests and `tiktok-ads-bench`.
struct ProductBinaryTests {
    /// Names that only `TestSupport` code puts into a binary: the mangled module prefix of its symbols and the
    /// Sheets fake's type name (kept in Swift type metadata even in a stripped binary).
    static let testSupportMarkers = ["11TestSupport", "GoogleSheetsFake"]

    @Test func productBinaryLinksNoTestSupport() throws {
        let binary = try Data(contentsOf: ToolBinary.url, options: .alwaysMapped)
        // The scan itself works: the tool's own root command is found by the same search.
        #expect(Self.contains("TikTokAdsCommand", in: binary), "no tiktok-ads type metadata found in \(ToolBinary.url.path)")
        for marker in Self.testSupportMarkers {
            #expect(!Self.contains(marker, in: binary),
                    "\(ToolBinary.url.lastPathComponent) contains \"\(marker)\": the product links TestSupport; keep test fakes out of it")
        }
    }

    /// The executable stays a thin layer over the libraries: flags, commands and output setup, under 700 lines.
    @Test func theExecutableStaysThin() throws {
        let directory = READMECommandTests.root.appendingPathComponent("Sources/tiktok-ads")
        let files = try #require(FileManager.default.enumerator(atPath: directory.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        let lines = try files.reduce(0) { total, file in
            total + (try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)).split(separator: "\n", omittingEmptySubsequences: false).count - 1
        }
        #expect(!files.isEmpty)
        #expect(lines < 700, "Sources/tiktok-ads has \(lines) lines: move logic into TikTokAdsApp")
    }

    /// Whether `needle`'s UTF-8 bytes occur anywhere in `data`.
    static func contains(_ needle: String, in data: Data) -> Bool {
        data.range(of: Data(needle.utf8)) != nil
    }
}
