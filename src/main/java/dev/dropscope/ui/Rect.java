package dev.dropscope.ui;

/** A screen area: column and row of its top-left cell, width and height in cells. */
record Rect(int col, int row, int width, int height) {
    int bottom() {
        return row + height;
    }

    boolean isEmpty() {
        return width <= 0 || height <= 0;
    }
}
