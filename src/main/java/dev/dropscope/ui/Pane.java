package dev.dropscope.ui;

/** The panes of the top screen, in Tab order; titles are part of the interface operators learn. */
public enum Pane {
    DROP_SITES("Drop sites"),
    INTERFACES("Interfaces"),
    SYSTEM("System"),
    FINDINGS("Findings");

    private final String title;

    Pane(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }

    Pane next() {
        return values()[(ordinal() + 1) % values().length];
    }

    Pane previous() {
        return values()[(ordinal() + values().length - 1) % values().length];
    }
}
