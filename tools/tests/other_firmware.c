/* Not the soak: a program whose code lies far from the soak's (linked at
 * 0x10000000), standing in for the wrong firmware's ELF. mmdump must find
 * that it names none of the soak's owners. */
int main(void) { return 0; }
