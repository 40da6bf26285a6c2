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

    /// Whether `needle`'s UTF-8 bytes occur anywhere in `data`.
    static func contains(_ needle: String, in data: Data) -> Bool {
        data.range(of: Data(needle.utf8)) != nil
    }
}
