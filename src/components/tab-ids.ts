/** Ids that tie a `TabList`'s tabs to the panel they show. */
/** The id of one tab, for its panel's `aria-labelledby`. */
export const tabId = (idPrefix: string, id: string) => `${idPrefix}-tab-${id}`;

/** The id of the one panel the tabs show. */
export const tabPanelId = (idPrefix: string) => `${idPrefix}-panel`;
