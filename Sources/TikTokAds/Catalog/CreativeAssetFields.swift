import SyncKit

/// Fields of the creative assets, as `file/video/ad/search/` and `file/image/ad/search/` return them (the names
/// Airbyte's `creative_assets_videos` / `creative_assets_images` streams keep). `advertiser_id` is the account whose
/// library was listed; the answer's items do not carry it.
enum CreativeAssetFields {
    static let video: [CatalogField] = [
        CatalogField("video_id", .string, "Video ID (the ads' video_id)"),
        CatalogField("advertiser_id", .string, "Advertiser whose library holds the video", injected: true),
        CatalogField("file_name", .string, "File name"),
        CatalogField("format", .string, "File format, e.g. mp4"),
        CatalogField("size", .integer, "File size in bytes"),
        CatalogField("width", .integer, "Width in pixels"),
        CatalogField("height", .integer, "Height in pixels"),
        CatalogField("duration", .float, "Duration in seconds"),
        CatalogField("bit_rate", .float, "Bit rate in bits per second"),
        CatalogField("video_cover_url", .string, "URL of the cover image (temporary)"),
        CatalogField("preview_url", .string, "URL of a preview (temporary)"),
        CatalogField("preview_url_expire_time", .datetime, "When the preview URL expires (UTC)"),
        CatalogField("signature", .string, "MD5 of the file"),
        CatalogField("material_id", .string, "Material ID", isDefault: false),
        CatalogField("allowed_placements", .json, "Placements the video may be used in", isDefault: false),
        CatalogField("allow_download", .boolean, "Whether users may download the video", isDefault: false),
        CatalogField("displayable", .boolean, "Whether the video is shown in the asset library", isDefault: false),
        CatalogField("create_time", .datetime, "When the video was uploaded (UTC)"),
        CatalogField("modify_time", .datetime, "When the video was last modified (UTC)"),
    ]

    static let image: [CatalogField] = [
        CatalogField("image_id", .string, "Image ID (an element of the ads' image_ids)"),
        CatalogField("advertiser_id", .string, "Advertiser whose library holds the image", injected: true),
        CatalogField("file_name", .string, "File name"),
        CatalogField("format", .string, "File format, e.g. jpeg"),
        CatalogField("size", .integer, "File size in bytes"),
        CatalogField("width", .integer, "Width in pixels"),
        CatalogField("height", .integer, "Height in pixels"),
        CatalogField("image_url", .string, "URL of the image (temporary)"),
        CatalogField("signature", .string, "MD5 of the file"),
        CatalogField("material_id", .string, "Material ID", isDefault: false),
        CatalogField("is_carousel_usable", .boolean, "Whether the image can be used in a carousel ad", isDefault: false),
        CatalogField("displayable", .boolean, "Whether the image is shown in the asset library", isDefault: false),
        CatalogField("create_time", .datetime, "When the image was uploaded (UTC)"),
        CatalogField("modify_time", .datetime, "When the image was last modified (UTC)"),
    ]
}
