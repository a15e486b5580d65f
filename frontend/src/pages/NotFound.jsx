import { Link } from 'react-router-dom';

import Heading from '../components/Heading.jsx';
import { usePage } from '../utils/page.js';

export default function NotFound() {
  const heading = usePage('Page not found');
  return (
    <div className="flex flex-col gap-4">
      <Heading ref={heading}>Page not found</Heading>
      <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <p>
        <Link className="link" to="/">
          Go to the home page
        </Link>
      </p>
    </div>
  );
}
