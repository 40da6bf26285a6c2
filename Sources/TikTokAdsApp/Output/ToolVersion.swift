/// The tool's version, printed by `tiktok-ads --version`.
public enum ToolVersion {
    public static let current = "0.3.0"
}
