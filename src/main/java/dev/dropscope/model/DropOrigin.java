package dev.dropscope.model;

/** Where a drop was detected: in the kernel's software path, or by a device (devlink trap). */
public enum DropOrigin {
    SOFTWARE,
    HARDWARE
}
