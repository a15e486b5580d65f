import { forwardRef } from 'react';

// The page's <h1>: focusable by script (route changes), with a visible focus ring.
const Heading = forwardRef(function Heading({ children, className = '' }, ref) {
  return (
    <h1 ref={ref} tabIndex={-1} className={`text-2xl font-bold tracking-tight sm:text-3xl ${className}`}>
      {children}
    </h1>
  );
});

export default Heading;
